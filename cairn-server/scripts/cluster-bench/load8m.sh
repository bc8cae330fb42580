#!/bin/bash
# Sends 10,000-record NDJSON batches (64-byte values) with 4 parallel senders, following leader
# redirects (curl -L keeps POST and body on 307), until the partition holds 8,000,000 records.
hw() { curl -s http://127.0.0.1:18001/broker/topics/catchup | python3 -c 'import json,sys; print(json.load(sys.stdin)["partitions"][0]["high_watermark"])'; }
send() { while [ -z "$(cat /tmp/bench/stop 2>/dev/null)" ]; do curl -s -L -o /dev/null -w '%{http_code}\n' -XPOST --data-binary @/tmp/bench/batch10k.ndjson "http://127.0.0.1:18001/broker/topics/catchup/produce-ndjson?partition=0&acks=majority&timeout_ms=30000"; done; }
rm -f /tmp/bench/stop
for j in 1 2 3 4; do send >> /tmp/bench/load8m-$j.codes & done
while [ "$(hw)" -lt 8000000 ]; do sleep 2; done
echo stop > /tmp/bench/stop; wait
hw
