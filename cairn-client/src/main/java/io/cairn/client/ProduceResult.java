package io.cairn.client;

/**
 * A produce the cluster acknowledged.
 *
 * @param duplicate true when the server found the idempotency key already written and returned the
 *     first write's offset (for example because an earlier attempt of this same call was applied
 *     but its answer was lost)
 * @param idempotencyKey the key every attempt carried (generated if the caller gave none)
 * @param attempts how many requests the call sent (redirect hops not counted)
 * @param ambiguousAttempts how many of those attempts ended with an unknown outcome before one settled it
 * @param nodeUrl base URL of the node that answered
 */
public record ProduceResult(
        String topic,
        int partition,
        long offset,
        boolean duplicate,
        String idempotencyKey,
        int attempts,
        int ambiguousAttempts,
        String nodeUrl) {}
