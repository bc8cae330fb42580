package io.cairn.server.http;

import io.cairn.server.broker.Broker;
import io.cairn.server.broker.BrokerException;

import java.util.concurrent.CompletableFuture;

/**
 * Makes a route's 404 for a topic or partition mean "does not exist in the cluster", not "this
 * node has not applied its creation yet". On such a 404 the node catches up with the metadata
 * leader ({@link Broker#catchUpMetadata()}: the leader's read index, then apply up to it) and
 * runs the route once more; that second answer stands. A single node's view is authoritative,
 * so there the first 404 stands at once.
 *
 * <p>Running the route twice is safe: every route wrapped here validates and looks the topic up
 * before it changes anything, so a 404 means it changed nothing. The second run happens on the
 * connection's event loop, like the first.
 */
final class TopicSeen {
    private final Broker broker;

    TopicSeen(Broker broker) {
        this.broker = broker;
    }

    Router.Handler of(Router.Handler route) {
        return ex -> run(route, ex).exceptionallyCompose(t -> {
            if (!unknownTopicOrPartition(Errors.unwrap(t))) {
                return CompletableFuture.failedFuture(t);
            }
            return broker.catchUpMetadata().thenComposeAsync(
                lookAgain -> lookAgain ? run(route, ex) : CompletableFuture.failedFuture(t), ex.ctx.executor());
        });
    }

    private static CompletableFuture<Response> run(Router.Handler route, Exchange ex) {
        try {
            return route.handle(ex);
        } catch (Throwable t) {
            return CompletableFuture.failedFuture(t);
        }
    }

    static boolean unknownTopicOrPartition(Throwable t) {
        return t instanceof BrokerException.NotFound nf
            && ("topic_not_found".equals(nf.code()) || "partition_not_found".equals(nf.code()));
    }
}
