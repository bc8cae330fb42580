#!/bin/bash
# Restarts n3 exactly as the launcher started it and times how long it takes to reach the leader's high watermark.
JAVA=$(/work/wt/cluster/cairn java-home)/bin/java
TARGET=$(curl -s http://127.0.0.1:18001/broker/topics/catchup | python3 -c 'import json,sys; print(json.load(sys.stdin)["partitions"][0]["high_watermark"])')
echo "target high watermark $TARGET"
T0=$(date +%s.%N)
CAIRN_CLUSTER_ID=local $JAVA -Xms128m -Xmx1g -cp /work/wt/cluster/cairn-server/target/cairn-server.jar io.cairn.server.cli.Main start --node-id n3 --host 127.0.0.1 --port 18003 --peer-port 18103 --data-dir /tmp/bench/c3/n3 --peers n1=127.0.0.1:18101@http://127.0.0.1:18001,n2=127.0.0.1:18102@http://127.0.0.1:18002,n3=127.0.0.1:18103@http://127.0.0.1:18003 >> /tmp/bench/c3/n3/node.log 2>&1 &
echo $! > /tmp/bench/n3.pid
READY=""
while true; do
  H=$(curl -s -m 2 http://127.0.0.1:18003/broker/topics/catchup | python3 -c 'import json,sys; print(json.load(sys.stdin)["partitions"][0]["high_watermark"])' 2>/dev/null)
  NOW=$(date +%s.%N)
  if [ -z "$READY" ] && [ -n "$H" ]; then READY=$NOW; echo "serving after $(echo "$NOW - $T0" | bc) s (hw $H)"; fi
  if [ -n "$H" ] && [ "$H" -ge "$TARGET" ]; then echo "caught up to $H after $(echo "$NOW - $T0" | bc) s from process start"; break; fi
  sleep 0.2
done
