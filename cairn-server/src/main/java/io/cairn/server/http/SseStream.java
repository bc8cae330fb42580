package io.cairn.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.server.broker.Broker;
import io.cairn.server.broker.PartitionHandle;
import io.cairn.server.broker.PartitionHandle.ConsumeResult;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /broker/stream/{topic}/{group}/{partition}}: Server-Sent Events, one {@code message}
 * event per record ({@code id:} is the offset, {@code data:} the record as consume returns it).
 * Built on the long-poll read: each round waits up to the heartbeat interval; an empty round
 * sends a {@code : heartbeat} comment. One page is in flight at a time and the next read starts
 * only when the previous page is flushed, so a slow client holds at most one page of memory.
 * The stream ends when the client goes away (the pending read's answer is then dropped).
 *
 * <p>Resuming: {@code ?offset=} wins, then the browser's {@code Last-Event-ID} header (+1), then
 * the group's committed offset + 1, then the log start. A position below the log start sends an
 * {@code event: reset} with the new position and continues from there.
 */
final class SseStream {
    private static final Logger log = LoggerFactory.getLogger(SseStream.class);
    /** Records and bytes per read round; bounds the memory one stream holds. */
    static final int PAGE_RECORDS_MAX = 500;
    static final long PAGE_BYTES_MAX = 1024 * 1024;

    private final ApiContext api;

    SseStream(ApiContext api) {
        this.api = api;
    }

    CompletableFuture<Response> open(Exchange ex) {
        Broker.TopicSpec spec = api.topic(ex.path("topic"));
        String group = ApiContext.group(ex.path("group"));
        int partition = ApiContext.partition(spec, ex.partitionPath());
        RecordJson.Encoding encoding = RecordJson.parseEncoding(ex.param("encoding"));
        PartitionHandle handle = api.broker().partition(spec.name(), partition);
        CompletableFuture<Long> start;
        if (ex.param("offset") != null) {
            start = CompletableFuture.completedFuture(ex.longParam("offset", 0, Long.MAX_VALUE, 0));
        } else if (ex.headers.get("Last-Event-ID") != null) {
            start = CompletableFuture.completedFuture(
                Exchange.parseLong("Last-Event-ID", ex.headers.get("Last-Event-ID"), -1, Long.MAX_VALUE - 1) + 1);
        } else {
            // A leader read confirmed by a quorum; a redirect or 503 is answered before the stream opens.
            start = ConsumeRoutes.readTimeout(ConsumeRoutes.startOffset(handle, group), 0);
        }
        ChannelHandlerContext ctx = ex.ctx;
        return start.thenApplyAsync(offset -> {
            var res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
            res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
            res.headers().set("X-Accel-Buffering", "no"); // tell proxies such as nginx not to buffer events
            HttpUtil.setTransferEncodingChunked(res, true);
            ctx.writeAndFlush(res);
            new Loop(ctx, handle, spec.name(), partition, offset, encoding).poll();
            return Response.STREAMING;
        }, ctx.executor());
    }

    private final class Loop {
        private final ChannelHandlerContext ctx;
        private final PartitionHandle handle;
        private final String topic;
        private final int partition;
        private final RecordJson.Encoding encoding;
        private final long heartbeatMs = api.config().sseHeartbeatMs();
        private long offset;
        private long roundStartNanos;

        Loop(ChannelHandlerContext ctx, PartitionHandle handle, String topic, int partition, long offset,
             RecordJson.Encoding encoding) {
            this.ctx = ctx;
            this.handle = handle;
            this.topic = topic;
            this.partition = partition;
            this.offset = offset;
            this.encoding = encoding;
        }

        void poll() {
            if (!ctx.channel().isActive()) {
                return;
            }
            roundStartNanos = System.nanoTime();
            CompletableFuture<ConsumeResult> read;
            try {
                read = ConsumeRoutes.readTimeout(handle.consume(offset, PAGE_RECORDS_MAX, PAGE_BYTES_MAX, heartbeatMs),
                    heartbeatMs);
            } catch (RuntimeException e) {
                read = CompletableFuture.failedFuture(e);
            }
            read.whenComplete((page, failure) -> ctx.executor().execute(() -> onPage(page, failure)));
        }

        private void onPage(ConsumeResult page, Throwable failure) {
            if (!ctx.channel().isActive()) {
                return; // the client went away; drop the page
            }
            if (failure != null) {
                Response r = Errors.toResponse(failure, "GET", "/broker/stream/" + topic);
                var sb = new StringBuilder("event: error\ndata: ")
                    .append(new String(r.body(), StandardCharsets.UTF_8)).append("\n\n");
                ctx.write(chunk(sb));
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            var sb = new StringBuilder();
            if (page.reset()) {
                sb.append("event: reset\ndata: {\"next_offset\":").append(page.nextOffset())
                    .append(",\"log_start\":").append(page.logStart()).append("}\n\n");
            }
            long bytes = 0;
            for (var r : page.records()) {
                ObjectNode n = Response.JSON.createObjectNode();
                RecordJson.write(n, r, partition, encoding);
                sb.append("id: ").append(r.offset()).append("\ndata: ").append(n).append("\n\n");
                bytes += r.value().length;
            }
            api.metrics().recordConsume(topic, page.records().size(), bytes);
            offset = page.nextOffset();
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - roundStartNanos);
            if (sb.isEmpty()) {
                if (elapsedMs < heartbeatMs / 2) {
                    // The replica answered an empty page early (no long-poll); do not spin on it.
                    ctx.executor().schedule(this::poll, heartbeatMs - elapsedMs, TimeUnit.MILLISECONDS);
                    return;
                }
                sb.append(": heartbeat\n\n");
            }
            ctx.writeAndFlush(chunk(sb)).addListener(f -> {
                if (f.isSuccess()) {
                    poll();
                } else {
                    log.debug("stream to {} ended: {}", ctx.channel().remoteAddress(), String.valueOf(f.cause()));
                    ctx.close();
                }
            });
        }

        private DefaultHttpContent chunk(CharSequence text) {
            return new DefaultHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
        }
    }
}
