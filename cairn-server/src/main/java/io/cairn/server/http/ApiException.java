package io.cairn.server.http;

import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.Map;

/**
 * A request the HTTP layer rejects before it reaches the broker: bad input, auth, routing. It
 * becomes {@code {"ok":false,"error":code,"message":message}} with {@code status}.
 */
final class ApiException extends RuntimeException {
    final HttpResponseStatus status;
    final String code;
    final Map<String, String> headers;

    ApiException(HttpResponseStatus status, String code, String message) {
        this(status, code, message, Map.of());
    }

    ApiException(HttpResponseStatus status, String code, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.headers = headers;
    }

    static ApiException badRequest(String code, String message) {
        return new ApiException(HttpResponseStatus.BAD_REQUEST, code, message);
    }

    static ApiException tooLarge(String code, String message) {
        return new ApiException(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, code, message);
    }
}
