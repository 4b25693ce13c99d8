# The names and addresses start-cluster.sh gives its hosts, shared with stop-cluster.sh (which removes
# exactly these) and kill-host.sh. site_configs/local-cluster.yaml names the same subnet. Sourced, not run.
CLUSTER_SUBNET=10.77.18          # hosts nK at .K, the bridge (the controller) at .254
CLUSTER_BRIDGE=svc-br
CLUSTER_HOST_IF=svc0             # each host's interface, inside its namespace
cluster_netns() { echo "svc-n$1"; }
cluster_veth() { echo "svc-v$1"; }
