package io.cairn.server.http;

import io.cairn.server.metrics.NodeMetrics;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One per connection: answers requests strictly in order (HTTP/1.1 pipelining needs answers in
 * request order, and handlers complete asynchronously), maps failures to error bodies, and
 * records request metrics.
 *
 * <p>Backpressure: a keep-alive client with one request in flight (the common case) never sends
 * while it waits, so the connection keeps reading; toggling {@code autoRead} around every request
 * cost two {@code epoll_ctl} system calls per request. Only when a pipelined request arrives
 * while one is in flight does the connection stop reading, until the queue of decoded requests is
 * empty again, so a client still cannot queue unbounded work on one connection.
 */
final class RequestHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(RequestHandler.class);
    /** Requests already decoded from the socket buffer while one is in flight. */
    static final int PIPELINED_REQUESTS_MAX = 16;
    private static final Set<String> JSON_TYPES = Set.of("application/json", "application/x-www-form-urlencoded");
    private static final Set<String> NDJSON_TYPES = Set.of("application/x-ndjson", "application/ndjson",
        "application/jsonl", "application/jsonlines", "application/json", "text/plain",
        "application/x-www-form-urlencoded");

    private final Router router;
    private final Auth auth;
    private final NodeMetrics metrics;
    private final ArrayDeque<FullHttpRequest> pending = new ArrayDeque<>();
    private boolean busy;
    /** True while reading is off because pipelined requests are queued in {@link #pending}. */
    private boolean readingPaused;
    /** True once a handler took the channel over for a stream; it must keep reading to notice a hang-up. */
    private boolean streaming;

    RequestHandler(Router router, Auth auth, NodeMetrics metrics) {
        this.router = router;
        this.auth = auth;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest req)) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        if (busy) {
            if (pending.size() >= PIPELINED_REQUESTS_MAX) {
                req.release();
                log.warn("closing {}: more than {} pipelined requests", ctx.channel().remoteAddress(), PIPELINED_REQUESTS_MAX);
                ctx.close();
                return;
            }
            pending.add(req);
            if (!readingPaused && !streaming) {
                // A pipelining client: stop reading until the requests already decoded are answered.
                readingPaused = true;
                ctx.channel().config().setAutoRead(false);
            }
            return;
        }
        start(ctx, req);
    }

    private void start(ChannelHandlerContext ctx, FullHttpRequest req) {
        busy = true;
        long receivedNanos = System.nanoTime();
        String method = methodLabel(req.method().name());
        String uri = req.uri();
        // After a decode failure Netty's decoder discards the rest of the connection's input, so
        // keeping it open would leave the client waiting for answers that never come.
        boolean keepAlive = HttpUtil.isKeepAlive(req) && !req.decoderResult().isFailure();
        String[] routeLabel = {"unmatched"};
        CompletableFuture<Response> answer;
        try {
            answer = dispatch(ctx, req, receivedNanos, routeLabel);
        } catch (Throwable t) {
            answer = CompletableFuture.failedFuture(t);
        } finally {
            req.release();
        }
        answer.whenComplete((response, failure) -> {
            Response r = failure != null ? Errors.toResponse(failure, method, uri) : response;
            if (ctx.executor().inEventLoop()) {
                finish(ctx, r, keepAlive, routeLabel[0], method, receivedNanos);
            } else {
                ctx.executor().execute(() -> finish(ctx, r, keepAlive, routeLabel[0], method, receivedNanos));
            }
        });
    }

    private CompletableFuture<Response> dispatch(ChannelHandlerContext ctx, FullHttpRequest req, long receivedNanos,
                                                 String[] routeLabel) {
        if (req.decoderResult().isFailure()) {
            throw decodeFailure(req.decoderResult().cause());
        }
        QueryStringDecoder qs;
        try {
            qs = new QueryStringDecoder(req.uri(), StandardCharsets.UTF_8, true, 64);
            qs.parameters(); // decode now so a bad escape is a 400 here
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("invalid_query", "the query string cannot be decoded: " + e.getMessage());
        }
        Router.Match match = router.match(req.method(), qs.rawPath());
        Router.Route route = match.route();
        routeLabel[0] = route.template();

        Auth.Principal principal = Auth.OPEN;
        if (route.access() != Router.Access.OPEN) {
            principal = auth.authenticate(req.headers().get(HttpHeaderNames.AUTHORIZATION));
            switch (route.access()) {
                case ADMIN -> principal.requireAdmin();
                case PRODUCE_TOPIC -> principal.require(Auth.Action.PRODUCE, match.pathParams().get("topic"));
                case CONSUME_TOPIC -> principal.require(Auth.Action.CONSUME, match.pathParams().get("topic"));
                default -> { }
            }
        }
        checkQuery(qs.parameters(), route);
        checkContentType(req, route);
        byte[] body = route.body() == Router.Body.NONE ? new byte[0] : ByteBufUtil.getBytes(req.content());
        // The request's own headers, not a copy: only the body is reference-counted, so they stay
        // valid after req.release(), and nothing downstream modifies them.
        var ex = new Exchange(ctx, req.method(), req.uri(), route, match.pathParams(), qs.parameters(),
            req.headers(), body, principal, receivedNanos);
        return route.handler().handle(ex);
    }

    /** Metric label for the method; any other token a client invents is "other", keeping the label set bounded. */
    static String methodLabel(String method) {
        return switch (method) {
            case "GET", "POST", "DELETE", "PUT", "HEAD", "OPTIONS", "PATCH" -> method;
            default -> "other";
        };
    }

    private static ApiException decodeFailure(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return new ApiException(HttpResponseStatus.REQUEST_URI_TOO_LONG, "uri_too_long",
                "the request line is too long (keys belong in the body or in shorter query values)");
        }
        if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
            return new ApiException(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "headers_too_large",
                "the request headers are too large");
        }
        return ApiException.badRequest("malformed_request", "the request is not valid HTTP/1.1: " + cause.getMessage());
    }

    private static void checkQuery(Map<String, List<String>> params, Router.Route route) {
        for (var e : params.entrySet()) {
            if (!route.params().contains(e.getKey())) {
                throw ApiException.badRequest("unknown_parameter", "unknown query parameter '"
                    + Exchange.abbreviate(e.getKey()) + "' for " + route.template()
                    + (route.params().isEmpty() ? " (it takes none)" : "; expected one of "
                    + String.join(", ", route.params().stream().sorted().toList())));
            }
            if (e.getValue().size() > 1) {
                throw ApiException.badRequest("duplicate_parameter", "query parameter '" + e.getKey() + "' is given "
                    + e.getValue().size() + " times; give it once");
            }
        }
    }

    private static void checkContentType(FullHttpRequest req, Router.Route route) {
        String type = req.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (type == null || route.body() == Router.Body.NONE || route.body() == Router.Body.RAW) {
            return;
        }
        String mime = type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        Set<String> accepted = route.body() == Router.Body.JSON ? JSON_TYPES : NDJSON_TYPES;
        if (!accepted.contains(mime)) {
            throw new ApiException(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                "content type '" + Exchange.abbreviate(mime) + "' is not accepted here; send one of "
                    + String.join(", ", accepted.stream().sorted().toList()) + " (or none)");
        }
    }

    private void finish(ChannelHandlerContext ctx, Response r, boolean keepAlive, String route, String method,
                        long receivedNanos) {
        if (r == Response.STREAMING) {
            // The stream owns the channel from here and closes it when it ends. Reading resumes so
            // that a client hanging up is noticed at once rather than at the next heartbeat.
            metrics.recordRequest(route, method, 200, System.nanoTime() - receivedNanos);
            streaming = true;
            resumeReading(ctx);
            return;
        }
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, r.status(),
            Unpooled.wrappedBuffer(r.body()));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
        r.headers().forEach((k, v) -> res.headers().set(k, v));
        if (!keepAlive) {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        long nanos = System.nanoTime() - receivedNanos;
        metrics.recordRequest(route, method, r.status().code(), nanos);
        if (log.isDebugEnabled()) {
            log.debug("{} {} {} -> {} in {} us", ctx.channel().remoteAddress(), method, route, r.status().code(), nanos / 1000);
        }
        var written = ctx.writeAndFlush(res);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
            return;
        }
        written.addListener(f -> {
            if (!f.isSuccess()) {
                ctx.close();
                return;
            }
            busy = false;
            FullHttpRequest next = pending.poll();
            if (next != null) {
                start(ctx, next);
            } else {
                resumeReading(ctx);
            }
        });
    }

    private void resumeReading(ChannelHandlerContext ctx) {
        if (readingPaused) {
            readingPaused = false;
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        FullHttpRequest r;
        while ((r = pending.poll()) != null) {
            r.release();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Connection resets and similar are the client's business; log quietly and close.
        log.debug("closing {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
