#!/usr/bin/env bash
# ceph-rgw.sh - a real S3 service for tests and benchmarks: a single-node Ceph cluster (one monitor, one bluestore
# OSD on a sparse file) with the RADOS Gateway serving S3 on 127.0.0.1, no systemd, up in about 15 s.
# Debian bookworm's Ceph 16 (install-deps.sh installs ceph-mon, ceph-osd, radosgw and ceph-common).
#   start DIR [PORT]   wipe DIR, start the cluster and gateway, create the S3 user and print DIR/env's contents
#                      (S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY, S3_REGION)
#   stop DIR           kill the daemons recorded in DIR/pids and remove DIR
# Env: S3_ACCESS_KEY / S3_SECRET_KEY (the user's keys), OSD_SIZE (default 8G, sparse), MON_PORT (default: free)
set -euo pipefail
cmd=${1:?usage: ceph-rgw.sh start|stop DIR [PORT]}
DIR=${2:?usage: ceph-rgw.sh start|stop DIR [PORT]}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

stop() {
  if [ -f "$DIR/pids" ]; then
    while read -r _ pid; do kill "$pid" 2>/dev/null || true; done < "$DIR/pids"
    for _ in $(seq 50); do
      alive=0
      while read -r _ pid; do kill -0 "$pid" 2>/dev/null && alive=1; done < "$DIR/pids"
      [ "$alive" = 0 ] && break
      sleep 0.1
    done
    while read -r _ pid; do kill -9 "$pid" 2>/dev/null || true; done < "$DIR/pids"
  fi
  rm -rf "$DIR"
}

case "$cmd" in
stop) stop; exit 0 ;;
start) ;;
*) echo "usage: ceph-rgw.sh start|stop DIR [PORT]" >&2; exit 2 ;;
esac

for tool in ceph-mon ceph-osd radosgw ceph-authtool monmaptool radosgw-admin ceph; do
  command -v "$tool" >/dev/null || { echo "ceph-rgw.sh: $tool is missing (apt-get install ceph-mon ceph-osd radosgw ceph-common)" >&2; exit 1; }
done
# The daemons outlive this script: they must not inherit descriptors a caller waits on (a test runner's pipes).
for fd in $(ls /proc/$$/fd); do
  [ "$fd" -gt 2 ] && [ "$fd" != 255 ] && eval "exec $fd>&-" 2>/dev/null || true
done

stop
mkdir -p "$DIR"/{mon,osd,run,log}
DIR=$(cd "$DIR" && pwd)
RGW_PORT=${3:-$(free_port)}
MON_PORT=${MON_PORT:-$(free_port)}
ACCESS=${S3_ACCESS_KEY:-hydratestaccess}
SECRET=${S3_SECRET_KEY:-hydratestsecret0123456789}
FSID=$(python3 -c 'import uuid; print(uuid.uuid4())')
CONF="$DIR/ceph.conf"
cat > "$CONF" <<EOF
[global]
fsid = $FSID
mon_host = v2:127.0.0.1:$MON_PORT
public_addr = 127.0.0.1
ms_bind_msgr1 = false
ms_bind_ipv6 = false
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
run_dir = $DIR/run
admin_socket = $DIR/run/\$name.asok
pid_file = $DIR/run/\$name.pid
log_file = $DIR/log/\$name.log
mon_cluster_log_file = $DIR/log/cluster.log
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
mon_data_avail_warn = 2
mon_data_avail_crit = 1
mon_max_pg_per_osd = 1000
osd_crush_chooseleaf_type = 0
[client]
keyring = $DIR/\$name.keyring
[mon]
mon_data = $DIR/mon/\$id
[osd]
osd_data = $DIR/osd/\$id
osd_objectstore = bluestore
osd_memory_target = 1073741824
bluestore_block_create = true
bluestore_block_size = $(numfmt --from=iec "${OSD_SIZE:-8G}")
bluestore_fsck_on_mkfs = false
osd_max_object_size = 134217728
[client.rgw.gw]
rgw_frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw_dns_name = localhost
rgw_thread_pool_size = 64
EOF
CEPH="ceph -c $CONF"
record() {
  for _ in $(seq 100); do [ -s "$DIR/run/$1.pid" ] && break; sleep 0.1; done
  echo "$1 $(cat "$DIR/run/$1.pid")" >> "$DIR/pids"
}
: > "$DIR/pids"

ceph-authtool --create-keyring "$DIR/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool --create-keyring "$DIR/client.admin.keyring" --gen-key -n client.admin \
  --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
ceph-authtool "$DIR/mon.keyring" --import-keyring "$DIR/client.admin.keyring" >/dev/null
monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT]" "$DIR/monmap" >/dev/null
ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/mon.keyring"
ceph-mon -c "$CONF" -i a
record mon.a

OSD_UUID=$(python3 -c 'import uuid; print(uuid.uuid4())')
OSD_KEY=$(ceph-authtool --gen-print-key)
OSD_ID=$(echo "{\"cephx_secret\": \"$OSD_KEY\"}" | $CEPH osd new "$OSD_UUID" -i -)
mkdir -p "$DIR/osd/$OSD_ID"
ceph-authtool --create-keyring "$DIR/osd/$OSD_ID/keyring" --name "osd.$OSD_ID" --add-key "$OSD_KEY" >/dev/null
ceph-osd -c "$CONF" -i "$OSD_ID" --mkfs --osd-uuid "$OSD_UUID" >> "$DIR/log/osd-mkfs.log" 2>&1
ceph-osd -c "$CONF" -i "$OSD_ID" 2>> "$DIR/log/osd-start.log"
record "osd.$OSD_ID"

$CEPH auth get-or-create client.rgw.gw mon 'allow rw' osd 'allow rwx' -o "$DIR/client.rgw.gw.keyring"
radosgw -c "$CONF" -n client.rgw.gw
record client.rgw.gw
# The gateway makes its pools on first start, once the OSD is up.
for _ in $(seq 240); do curl -s -o /dev/null "http://127.0.0.1:$RGW_PORT/" && break; sleep 0.5; done
curl -s -o /dev/null "http://127.0.0.1:$RGW_PORT/" || { echo "ceph-rgw.sh: the gateway did not answer on port $RGW_PORT (logs in $DIR/log)" >&2; exit 1; }
radosgw-admin -c "$CONF" user create --uid=hydra --display-name=hydra --access-key="$ACCESS" --secret-key="$SECRET" >/dev/null
cat > "$DIR/env" <<EOF
S3_ENDPOINT=http://127.0.0.1:$RGW_PORT
S3_ACCESS_KEY=$ACCESS
S3_SECRET_KEY=$SECRET
S3_REGION=us-east-1
EOF
cat "$DIR/env"
