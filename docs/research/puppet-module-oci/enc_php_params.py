#!/usr/bin/env python3
"""Statically map which class parameters OCI's inc/enc.php emits, per class,
and where each value comes from. Heuristic line scanner (enc.php writes YAML
as text, line by line). Output: enc-php-params.json
  {class: {param: [{"line": N, "source": "...", "expr": "..."}]}}"""
import json, re, sys
ENC = sys.argv[1]
VARS = sys.argv[2]
lines = open(ENC, encoding='utf-8', errors='replace').read().split('\n')
# snippet variables ($enc_amhn = "      all_masters:\n") -> param name
snip = {}
for ln in lines:
    m = re.match(r'\s*\$(\w+)\s*=\s*"\s{6}(\w+)\s*:', ln)
    if m:
        snip[m.group(1)] = m.group(2)
DESCR = {
 '$machine_hostname': 'machine FQDN (machines.hostname)',
 '$machine_ip': "machine address on its management network (first non-public network not vm-net/ovs-bridge/ceph-cluster/ipmi/vip)",
 '$cluster_region_name': 'cluster option region_name', '$openstack_release': 'server config [releasenames] openstack_release',
 '$cluster_name': 'cluster name', '$cluster_domain': 'cluster domain',
 '$first_master_hostname': 'cluster.first_master_machine_id hostname', '$first_master_ipaddr': 'cluster.first_master_machine_id mgmt IP',
 '$first_sql_hostname': 'first SQL node (cluster.first_sql_machine_id if sql nodes, else first master) hostname',
 '$first_sql_ipaddr': 'first SQL node mgmt IP', '$is_first_sql': 'this machine is the first SQL node',
 '$is_first_master': 'this machine is cluster.first_master_machine_id', '$is_first_rabbit': 'this machine is cluster.first_rabbit_machine_id',
 '$first_rabbit_hostname': 'cluster.first_rabbit_machine_id hostname',
 '$vip_hostname': 'cluster.vip_hostname, else NAME-api.DOMAIN',
 '$vip_ipaddr': 'API VIP: ips row usefor=vip vip_usage=api on the public network (network IP if /32)',
 '$vip_netmask': 'public network prefix length',
 '$vip_sql_ip': 'ips row usefor=vip vip_usage=sql (sql nodes present) else vip_usage=api',
 '$vip_sql_netmask': 'prefix length of the SQL VIP network', '$vip_sql_iface': "SQL VIP network iface1 (bond0 if iface2 set)",
 '$self_signed_api_cert': 'cluster option self_signed_api_cert (yes/no -> true/false)',
 '$network_ip': 'machine management network address', '$network_cidr': 'machine management network prefix length',
 '$vmnet_ip': 'machine address on a vm-net network, else machine_ip',
 '$machine_puppet_bgp2host': 'cluster.bgp_to_the_host and not machines.force_no_bgp2host',
 '$cluster_initial_cluster_setup': 'cluster option initial_cluster_setup',
 '$disable_notifications': 'cluster option disable_notifications', '$enable_monitoring_graphs': 'cluster option enable_monitoring_graphs',
 '$monitoring_graphite_host': 'cluster option monitoring_graphite_host', '$monitoring_graphite_port': 'cluster option monitoring_graphite_port',
 '$cluster_statsd_hostname': 'cluster option statsd_hostname', '$cluster_time_server_host': 'cluster option time_server_host',
 '$amp_secgroup_list': 'cluster option amp_secgroup_list', '$amp_boot_network_list': 'cluster option amp_boot_network_list',
 '$swift_object_replicator_concurrency': 'cluster option swift_object_replicator_concurrency',
 '$swift_rsync_connection_limit': 'cluster option swift_rsync_connection_limit',
 '$nested_virt': 'machines.nested_virt, cluster_value -> cluster.nested_virt',
 '$cpu_mode': 'machines.cpu_mode, cluster_value -> cluster.cpu_mode', '$cpu_model': 'machines.cpu_model, cluster_value -> cluster.cpu_model',
 '$cpu_model_extra_flags': 'machines.cpu_model_extra_flags, cluster_value -> cluster (omitted if empty/none)',
 '$glance_backend': 'topology: ceph/swift/file by glance_prefer_ceph_over_swift',
 '$ret': 'Ceph monitors: cephmon nodes, else controllers (comma-joined hostnames / IPs)',
 '$enc_amhn': 'controllers hostnames (sorted)', '$enc_amip': 'controllers mgmt IPs', '$enc_nids': 'controllers machine ids',
 '$enc_ashn': 'SQL nodes (sql role, else controllers) hostnames', '$enc_asip': 'SQL nodes IPs', '$enc_snids': 'SQL nodes ids',
 '$enc_non_master_sql': 'SQL nodes except first', '$enc_non_master_sql_ip': 'SQL nodes IPs except first',
 '$enc_comp_list': 'compute hostnames', '$enc_compip_list': 'compute mgmt IPs',
 '$enc_volu_list': 'volume hostnames', '$enc_voluip_list': 'volume mgmt IPs',
 '$enc_nfmc': 'controllers except first master', '$enc_nfmc_ip': 'their IPs',
 '$enc_omip': 'other controllers IPs (all but this one)',
 '$enc_dns_list': 'dns nodes', '$enc_dnsip_list': 'dns nodes IPs', '$enc_gpu_def': 'distinct GPU defs NAME.VENDOR.PRODUCT.TYPE over the cluster',
 '$enc_no_api_rate_limit_networks': 'networks (ip/cidr) holding addresses of compute/controller/volume/network/messaging/swiftproxy nodes',
 '$enc_swift_storage_allowed_networks': 'networks (ip/cidr) holding swiftstore/swiftproxy addresses',
 '$enc_rabbit_ids': 'messaging nodes ids', '$enc_msg_other_nodes': 'other messaging nodes', '$enc_msg_other_nodes_ips': 'their IPs',
 '$dyn_pollster_files': '/etc/openstack-cluster-installer/pollsters.d file names', '$dyn_pollster_names': 'pollster names',
 '$dyn_pollster_data': 'pollster files base64',
}
BY_NAME = {
 'block_devices': "blockdevices table names for the machine, minus the system disk(s) (name NOT LIKE '%da', or the RAID members)",
 'authorized_keys_hash': 'hash {hostname: root ssh pubkey BODY} of the cluster computes (volume: other volume nodes, if generate_root_ssh_keys)',
 'ssh_listen_ips': "list: 127.0.0.1 + every machine IP on non-public, non-ovs-bridge, non-ipmi networks",
 'other_masters': 'controllers except this one', 'all_swiftproxy': 'swiftproxy hostnames', 'all_swiftproxy_ip': 'swiftproxy IPs',
 'all_swiftstore': 'swiftstore hostnames', 'all_swiftstore_ip': 'swiftstore IPs',
 'etc_hosts': 'base64 /etc/hosts (slave_calculate_hosts_file)', 'oci_facts': 'base64 YAML (gen_oci_facts: role, cluster, blkdev_ctrls, has_megaraid, nic_drivers)',
 'designate_pools_yaml': 'base64 designate pools.yaml built from dns nodes',
 'gnocchi_resources_yaml': 'base64 /etc/openstack-cluster-installer/gnocchi_resources.yaml if present',
 'cloudkitty_metrics_yml': 'base64 /etc/openstack-cluster-installer/metrics.yml if present',
 'refstack_no_object_test_list': 'base64 /etc/oci-poc test list', 'refstack_object_test_list': 'base64 /etc/oci-poc test list',
 'messaging_vip_ipaddr': 'cluster_get_vip_ip(messaging)', 'messaging_vip_network': 'cluster_get_vip_ip(messaging)', 'messaging_vip_cidr': 'cluster_get_vip_ip(messaging)',
 'swiftregion_id': 'swiftregions.id of the machine location', 'zoneid': 'machines.location_id',
 'vgname': 'CLUSTERvolNvg / CLUSTERvolNvg0 from the host name number',
 'output_hosts': "filebeathosts table rows for the cluster, list of 'host:port'",
 'cephnet_mtu': 'ceph-cluster network MTU, 0 when the machine has no ceph-cluster network',
 'enabled_backend_list': "machines.cinder_enabled_backends split on ':' (empty if no-override)",
}
out = {}
cls = None
pending_secret = None
for i, ln in enumerate(lines, 1):
    if re.match(r"\s*(#|//)", ln):
        continue
    m = re.search(r'\$enc_file\s*\.=\s*"\s{3}(oci::\w+):', ln)
    if m:
        cls = m.group(1); continue
    m = re.search(r"get_cluster_password\(\$con, \$conf, \$cluster_id, '?\"?\$?(\w+)'?\"?, '(\w+)'\)", ln)
    if m:
        pending_secret = (m.group(1), m.group(2), i); continue
    m = re.search(r'get_ssh_keypair\(', ln)
    if m:
        pending_secret = ('sshkeypairs(per-host root)', 'root', i)
    m = re.search(r'\$enc_file\s*\.=\s*"\s{6}(\w+):\s*(.*)$', ln)
    name = expr = None
    if m:
        name, expr = m.group(1), m.group(2)
    else:
        m = re.search(r'\$enc_file\s*\.=\s*\$(\w+);', ln)
        if m and m.group(1) == 'enc_bridge_list':
            for n in ('bridge_mapping_list', 'external_network_list'):
                out.setdefault(cls, {}).setdefault(n, []).append(
                    {'line': i, 'source': 'computed: ovs-bridge networks x machines.neutron_external_network_name', 'expr': '$enc_bridge_list'})
            continue
        elif m and m.group(1) == 'enc_rabbits':
            for n in ('all_rabbits', 'all_rabbits_ips'):
                out.setdefault(cls, {}).setdefault(n, []).append(
                    {'line': i, 'source': 'computed: messaging nodes (hostnames / mgmt IPs)', 'expr': '$enc_rabbits'})
            continue
        elif m and m.group(1) in snip:
            name, expr = snip[m.group(1)], '$' + m.group(1)
    if not name:
        continue
    if cls is None:
        continue
    if '$json["data"]' in expr and pending_secret and i - pending_secret[2] <= 3:
        src = 'secret %s/%s' % pending_secret[:2]
        if 'base64_encode' in expr: src += ' (base64)'
    elif 'get_ssh_keypair' in expr or ('$json["data"]["pubkey"]' in expr):
        src = 'secret: per-host root ssh keypair'
    elif re.search(r'\$cluster\[["\'](\w+)["\']\]', expr):
        src = 'cluster option ' + ','.join(re.findall(r'\$cluster\[["\'](\w+)["\']\]', expr))
    elif re.search(r'\$machine\["(\w+)"\]', expr):
        src = 'machine option ' + ','.join(re.findall(r'\$machine\["(\w+)"\]', expr))
    elif '$conf[' in expr:
        src = 'server config ' + ','.join(re.findall(r'\$conf\[([^\]]+)\]\[([^\]]+)\]', expr)[0])
    elif name in BY_NAME:
        src = 'computed: ' + BY_NAME[name]
    elif name.startswith(('oci_pki_', 'ssl_cert_')):
        src = 'PKI file under /var/lib/oci/ssl (base64 PEM)'
    elif 'base64' in expr:
        src = 'computed (base64)'
    elif re.match(r'(true|false|none|swift|ceph|br-ex|eth0)\b', expr.strip()):
        src = 'topology/flag literal'
    elif name in BY_NAME:
        src = 'computed: ' + BY_NAME[name]
    else:
        vs = re.findall(r'\$\w+', expr)
        src = 'computed: ' + '; '.join(DESCR.get(v, v) for v in vs) if vs else 'computed'
    out.setdefault(cls, {}).setdefault(name, []).append({'line': i, 'source': src, 'expr': expr.strip()[:100]})
# variables.json: appended to the role class (skipped for the hyper-converged cephosd stand-in)
v = json.load(open(VARS))
for sect in ('machines', 'clusters'):
    for col, attr in v[sect].items():
        for role in attr.get('roles') or []:
            roles = ['controller', 'compute', 'network', 'volume', 'sql', 'messaging', 'cephmon', 'cephosd',
                     'swiftproxy', 'swiftstore', 'dns', 'debmirror', 'tempest'] if role == 'all' else [role]
            for r in roles:
                out.setdefault('oci::' + r, {}).setdefault(col, []).append(
                    {'line': None, 'source': 'variables.json %s option (%s, default %r)' % (sect[:-1], attr['type'], attr.get('default')), 'expr': col})
json.dump(out, open('/tmp/enc-research/enc-php-params.json', 'w'), indent=1, sort_keys=True)
