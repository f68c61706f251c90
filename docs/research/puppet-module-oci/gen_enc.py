#!/usr/bin/env python3
"""Hand-made ENC documents shaped like OCI 42.2.5's inc/enc.php output, for a
small test cluster "c1" (3 controllers, 2 computes, no Ceph/Swift/messaging/
network nodes), plus a facts file per node. Research scaffolding only.

Usage: gen_enc.py OUTDIR FACTSDIR [--release zed] [--bad-sshkey] [--variant X]
"""
import base64, json, os, secrets, struct, sys, time
import yaml

PKI = '/tmp/enc-research/pki'
DOMAIN = 'example.com'
CLUSTER = 'c1'
MGMT_NET, MGMT_CIDR = '192.168.101.0', 24
VIP, VIP_CIDR = '203.0.113.2', 28          # public network holds only VIPs
CONTROLLERS = [('c1-controller-1', '192.168.101.11'), ('c1-controller-2', '192.168.101.12'),
               ('c1-controller-3', '192.168.101.13')]
COMPUTES = [('c1-compute-1', '192.168.101.21'), ('c1-compute-2', '192.168.101.22')]
VIP_HOSTNAME = 'c1-api.' + DOMAIN


def fqdn(h):
    return h + '.' + DOMAIN


def rd(name):
    return open(os.path.join(PKI, name), 'rb').read()


def b64(data):
    return base64.b64encode(data if isinstance(data, bytes) else data.encode()).decode()


def ssh_pub_body(name):
    # OCI stores only the key body (no "ssh-rsa " prefix, no comment)
    return rd('ssh-%s.pub' % name).decode().split()[1]


def hexpw():
    return secrets.token_hex(32)


def ceph_key():
    # ceph-authtool --gen-print-key format: le16 type=1, le32 sec, le32 nsec, le16 len=16, 16 bytes
    return b64(struct.pack('<HIIH', 1, int(time.time()), 0, 16) + secrets.token_bytes(16))


SECRETS = {}
CEPH = '--ceph' in sys.argv
import uuid
CEPH_IDS = {'fsid': str(uuid.uuid4()), 'libvirtuuid': str(uuid.uuid4()), 'gnocchi': str(uuid.uuid4())}
CEPH_KEYS = {k: ceph_key() for k in ('bootstraposd', 'admin', 'openstack', 'mon', 'mgr')}


def pw(service, kind):
    key = (service, kind)
    if key not in SECRETS:
        SECRETS[key] = hexpw()
    return SECRETS[key]


def etc_hosts(host, ip):
    lines = ['# OCISTA_MAINTAINED: Do not touch between these lines, this is a generated content.',
             '127.0.0.1\tlocalhost', '%s\t%s %s' % (ip, fqdn(host), host),
             '::1     localhost ip6-localhost ip6-loopback', 'ff02::1 ip6-allnodes', 'ff02::2 ip6-allrouters',
             '# The puppet master:', '192.168.101.1\toci-server', '# VIP address:', '%s %s' % (VIP, VIP_HOSTNAME),
             '# Nodes in this cluster:']
    for h, i in CONTROLLERS + COMPUTES:
        if h != host:
            lines.append('%s\t%s %s' % (i, fqdn(h), h))
    lines.append('# OCIFIN_MAINTAINED: Do not touch between these lines, this is a generated content.')
    return '\n'.join(lines) + '\n'


def generic(host, ip, role, bad_sshkey=False):
    certname = host  # files named after the short host in our throwaway PKI
    d = {
        'machine_hostname': fqdn(host), 'machine_role': role,
        'admin_email_address': 'admin@example.com', 'mail_relay_host': 'mail.example.com',
        'use_http_proxy': False, 'http_proxy_addr': 'example.com:3128',
        'ssh_listen_ips': ['127.0.0.1', ip],
        'etc_hosts': b64(etc_hosts(host, ip)),
        'time_server_host': '0.debian.pool.ntp.org',
        'oci_facts': b64('---\nrole: %s\ncluster: %s\nblkdev_ctrls:\nhas_megaraid: false\nnic_drivers:\n' % (role, CLUSTER)),
        'ssl_cert_snakeoil_key': b64(rd(certname + '.key')), 'ssl_cert_snakeoil_pem': b64(rd(certname + '.crt')),
        'ssl_cert_client_key': b64(rd(certname + '_client.key')), 'ssl_cert_client_crt': b64(rd(certname + '_client.crt')),
        'ssl_cert_client_pem': b64(rd(certname + '_client.pem')),
        'oci_pki_oci_ca_chain': b64(rd('oci-ca-chain.pem')), 'oci_pki_oci_ca': b64(rd('oci-ca.pem')),
        'oci_pki_root_ca': b64(rd('root-ca.pem')),
        'oci_pki_api_crt': b64(rd('api.crt')), 'oci_pki_api_csr': b64(rd('api.csr')),
        'oci_pki_api_key': b64(rd('api.key')), 'oci_pki_api_pem': b64(rd('api.pem')),
        'oci_pki_swiftproxy_key': b64(rd('api.key')), 'oci_pki_swiftproxy_pem': b64(rd('api.pem')),
    }
    if role == 'compute':  # OCI: computes always get a root key pair + the other computes' keys
        d['generate_root_ssh_keys'] = True
        d['pass_root_ssh_pub'] = ssh_pub_body(host)
        d['pass_root_ssh_priv'] = b64(rd('ssh-' + host))
        if bad_sshkey:
            d['authorized_keys_hash'] = {fqdn(h): rd('ssh-%s.pub' % h).decode().strip() + ' root@' + h
                                         for h, _ in COMPUTES}
        else:
            d['authorized_keys_hash'] = {fqdn(h): ssh_pub_body(h) for h, _ in COMPUTES}
    else:
        d['generate_root_ssh_keys'] = False
    return d


def filebeat(role):
    return {'cluster_name': CLUSTER, 'machine_role': role,
            'filebeat_repo': 'https://artifacts.elastic.co/packages/7.x/apt', 'filebeat_enable': False}


# variables.json options with OCI's defaults, typed as OCI's text YAML would parse them
COMPUTE_VARS = {
    'cpu_allocation_ratio': 16.0, 'ram_allocation_ratio': 1.5, 'disk_allocation_ratio': 1.0,
    'compute_is_cephosd': False, 'neutron_external_network_name': 'external', 'neutron_install_dragent': False,
    'nova_reserved_host_memory_mb': 16384, 'nova_reserved_host_disk_mb': 10240, 'manila_share_install': False,
    'kernel_from_backports': False, 'brex_macaddr': 'none',
    # cluster options
    'bgp_to_the_host': False, 'nested_openstack': False, 'cinder_backup_use_external_swift': True,
    'dhcp_domain': None, 'neutron_global_physnet_mtu': 8950, 'neutron_path_mtu': 1550,
    'neutron_dns_domain': 'example.com.', 'neutron_use_dvr': True, 'neutron_vxlan_vni_min': 1000,
    'neutron_vxlan_vni_max': 9999, 'install_designate': False, 'install_manila': False,
    'install_telemetry': True, 'manila_network_cidr': '10.240.0.0/12', 'manila_network_division_mask': 27,
}


VARIABLES = json.load(open('/tmp/enc-research/pkgs/usr/share/openstack-cluster-installer/variables.json'))


def as_oci_text(v):
    # OCI writes "      key: value" as text; Puppet's YAML parser then types it.
    return yaml.safe_load(str(v)) if str(v) != '' else None


def role_vars(role):
    """variables.json options (machines then clusters) that OCI appends to the role class, at defaults."""
    out = {}
    for sect in ('machines', 'clusters'):
        for col, attr in VARIABLES[sect].items():
            roles = attr.get('roles') or []
            if role in roles or 'all' in roles:
                val = attr.get('default')
                if attr['type'] == 'boolean':
                    val = 'true' if val == 'yes' else 'false'
                out[col] = as_oci_text(val)
    return out


def common_role(host, ip, release):
    return {
        'region_name': 'RegionOne', 'openstack_release': release, 'cluster_name': CLUSTER,
        'machine_hostname': fqdn(host), 'machine_ip': ip,
        'first_master': fqdn(CONTROLLERS[0][0]), 'first_master_ip': CONTROLLERS[0][1],
        'all_masters': [fqdn(h) for h, _ in CONTROLLERS], 'all_masters_ip': [i for _, i in CONTROLLERS],
        'vip_hostname': VIP_HOSTNAME, 'vip_ipaddr': VIP, 'vip_netmask': VIP_CIDR,
        'self_signed_api_cert': True, 'network_ipaddr': MGMT_NET, 'network_cidr': MGMT_CIDR,
    }


def compute(host, ip, release, gpu=False):
    d = common_role(host, ip, release)
    d.update({
        'bridge_mapping_list': ['external br-ex'], 'external_network_list': ['external'],
        'cluster_domain': DOMAIN, 'sql_vip_ip': VIP, 'bgp_to_the_host': False, 'nested_virt': False,
        'vmnet_ip': ip, 'use_ceph_if_available': False, 'cluster_has_osds': False,
        'pass_haproxy_stats': pw('haproxy', 'stats'), 'pass_cinder_messaging': pw('cinder', 'messaging'),
        'pass_cinder_authtoken': pw('cinder', 'authtoken'), 'pass_cinder_db': pw('cinder', 'db'),
        'pass_nova_messaging': pw('nova', 'messaging'), 'pass_nova_authtoken': pw('nova', 'authtoken'),
        'pass_nova_ssh_pub': ssh_pub_body('nova'), 'pass_nova_ssh_priv': b64(rd('ssh-nova')),
        'pass_glance_authtoken': pw('glance', 'authtoken'),
        'pass_metadata_proxy_shared_secret': pw('novaneutron', 'shared_secret'),
        'pass_neutron_messaging': pw('neutron', 'messaging'), 'pass_neutron_authtoken': pw('neutron', 'authtoken'),
        'pass_neutron_vrrpauth': pw('neutron', 'vrrpauth'), 'pass_placement_authtoken': pw('placement', 'authtoken'),
        'pass_manila_db': pw('manila', 'db'), 'pass_manila_authtoken': pw('manila', 'authtoken'),
        'pass_manila_messaging': pw('manila', 'messaging'),
        'disable_notifications': False, 'enable_monitoring_graphs': False,
        'monitoring_graphite_host': None, 'monitoring_graphite_port': 2003,
        'use_gpu': False, 'has_subrole_dhcp_agent': True,
        'cpu_mode': 'host-passthrough', 'cpu_model': None,
        'backup_backend': 'none', 'use_dynamic_routing': False,
    })
    if CEPH:
        d.update({'cluster_has_osds': True, 'has_subrole_ceilometer': True, 'has_subrole_manila': True,
                  'ceph_fsid': CEPH_IDS['fsid'], 'ceph_libvirtuuid': CEPH_IDS['libvirtuuid'],
                  'ceph_bootstrap_osd_key': CEPH_KEYS['bootstraposd'], 'ceph_admin_key': CEPH_KEYS['admin'],
                  'ceph_openstack_key': CEPH_KEYS['openstack'], 'ceph_mon_key': CEPH_KEYS['mon'],
                  'ceph_mon_initial_members': ','.join(fqdn(h) for h, _ in CONTROLLERS),
                  'ceph_mon_host': ','.join(i for _, i in CONTROLLERS),
                  'pass_ceilometer_telemetry': pw('ceilometer', 'telemetry'),
                  'pass_ceilometer_messaging': pw('ceilometer', 'messaging'),
                  'pass_ceilometer_authtoken': pw('ceilometer', 'authtoken'),
                  'backup_backend': 'ceph'})
    if gpu:
        d.update({'use_gpu': True, 'gpu_name': ['t4', 'a100'], 'gpu_vendor_id': ['10de', '10de'],
                  'gpu_product_id': ['1eb8', '20b0'], 'gpu_device_type': 'type-PCI',
                  'vfio_ids': '10de:1eb8,10de:20b0'})
    d.update(role_vars('compute'))
    return d


def controller(host, ip, release, first=False):
    d = common_role(host, ip, release)
    others = [(h, i) for h, i in CONTROLLERS if h != host]
    d.update({
        'bridge_mapping_list': ['external br-ex'], 'external_network_list': ['external'],
        'machine_iface': 'br-ex',            # computes but no network nodes
        'bgp_to_the_host': False,
        'first_sql': fqdn(CONTROLLERS[0][0]), 'first_sql_ip': CONTROLLERS[0][1], 'is_first_sql': first,
        'sql_vip_ip': VIP, 'sql_vip_netmask': VIP_CIDR, 'sql_vip_iface': 'eth0',
        'initial_cluster_setup': True,
        'all_sql': [fqdn(h) for h, _ in CONTROLLERS], 'all_sql_ip': [i for _, i in CONTROLLERS],
        'all_sql_ids': [1, 2, 3],
        'non_master_sql': [fqdn(h) for h, _ in CONTROLLERS[1:]], 'non_master_sql_ip': [i for _, i in CONTROLLERS[1:]],
        'amp_secgroup_list': None, 'amp_boot_network_list': None,
        'cinder_backup_backend': 'none', 'has_subrole_swift': False,
        'compute_nodes': [fqdn(h) for h, _ in COMPUTES], 'compute_nodes_ip': [i for _, i in COMPUTES],
        'volume_nodes': None, 'volume_nodes_ip': None,   # OCI emits an empty block -> null
        'vmnet_ip': ip, 'is_first_master': first,
        'non_first_master_controllers': [fqdn(h) for h, _ in CONTROLLERS[1:]],
        'non_first_master_controllers_ip': [i for _, i in CONTROLLERS[1:]],
        'swiftproxy_hostname': 'none', 'haproxy_custom_url': None,
        'other_masters': [fqdn(h) for h, _ in others], 'other_masters_ip': [i for _, i in others],
        'all_masters_ids': [1, 2, 3],
        'all_swiftproxy': None, 'all_swiftproxy_ip': None,
        'has_subrole_glance': True, 'has_subrole_nova': True, 'has_subrole_neutron': True,
        'has_subrole_aodh': True, 'has_subrole_octavia': True, 'has_subrole_magnum': True,
        'has_subrole_manila': True,
        'cluster_has_mons': False, 'cluster_has_osds': False, 'has_subrole_network_node': True,
        'glance_backend': 'file',
        'disable_notifications': False, 'enable_monitoring_graphs': False,
        'monitoring_graphite_host': None, 'monitoring_graphite_port': 2003,
        'use_gpu': False, 'use_dynamic_routing': False,
        'dynamic_pollsters_files': None, 'dynamic_pollsters_names': None, 'dynamic_pollsters_data': None,
        'no_api_rate_limit_networks': ['%s/%d' % (MGMT_NET, MGMT_CIDR)],
        'nameserver_v4_prim': '9.9.9.9', 'nameserver_v6_prim': '2620:fe::fe:9',
        'nameserver_v4_sec': '8.8.8.8', 'nameserver_v6_sec': '2001:4860:4860::8888',
    })
    for svc, kinds in [('haproxy', ['stats']), ('mysql', ['rootuser', 'backup']), ('rabbitmq', ['cookie', 'monitoring']),
                       ('keystone', ['db', 'messaging', 'adminuser']), ('nova', ['db', 'apidb', 'messaging', 'authtoken']),
                       ('placement', ['db', 'authtoken']), ('glance', ['db', 'messaging', 'authtoken']),
                       ('neutron', ['db', 'messaging', 'authtoken', 'vrrpauth']), ('cinder', ['db', 'messaging', 'authtoken']),
                       ('heat', ['encryptkey', 'db', 'messaging', 'authtoken', 'keystone_domain']),
                       ('swift', ['authtoken', 'encryption', 'messaging']), ('barbican', ['db', 'messaging', 'authtoken']),
                       ('gnocchi', ['db', 'messaging', 'authtoken']), ('panko', ['db', 'messaging', 'authtoken']),
                       ('ceilometer', ['db', 'messaging', 'authtoken', 'telemetry']),
                       ('cloudkitty', ['db', 'messaging', 'authtoken']), ('aodh', ['db', 'messaging', 'authtoken']),
                       ('octavia', ['db', 'messaging', 'authtoken', 'heatbeatkey']),
                       ('magnum', ['db', 'messaging', 'authtoken', 'domain']), ('manila', ['db', 'messaging', 'authtoken']),
                       ('designate', ['db', 'messaging', 'authtoken', 'rndckey']), ('zabbix', ['authtoken'])]:
        for k in kinds:
            d['pass_%s_%s' % (svc, k)] = pw(svc, k)
    d['pass_metadata_proxy_shared_secret'] = pw('novaneutron', 'shared_secret')
    d['pass_horizon_secretkey'] = pw('horizon', 'secretkey')
    d['pass_redis'] = pw('redis', 'redis')
    d['pass_keystone_credkey1'] = b64(secrets.token_bytes(32))
    d['pass_keystone_credkey2'] = b64(secrets.token_bytes(32))
    d['pass_keystone_fernkey1'] = b64(pw('keystone', 'fernetkey1')[:32])
    d['pass_keystone_fernkey2'] = b64(pw('keystone', 'fernetkey2')[:32])
    d['pass_keystone_ssh_pub'] = ssh_pub_body('keystone')
    d['pass_keystone_ssh_priv'] = b64(rd('ssh-keystone'))
    d['pass_glance_ssh_pub'] = ssh_pub_body('glance')
    d['pass_glance_ssh_priv'] = b64(rd('ssh-glance'))
    d['ceph_openstack_key'] = ceph_key()      # OCI sends it to controllers even without Ceph
    if CEPH:
        d.update({
            'has_subrole_cinder': True, 'ceph_libvirtuuid': CEPH_IDS['libvirtuuid'],
            'cluster_has_osds': True, 'ceph_fsid': CEPH_IDS['fsid'],
            'ceph_bootstrap_osd_key': CEPH_KEYS['bootstraposd'], 'ceph_admin_key': CEPH_KEYS['admin'],
            'ceph_openstack_key': CEPH_KEYS['openstack'], 'ceph_mon_key': CEPH_KEYS['mon'], 'ceph_mgr_key': CEPH_KEYS['mgr'],
            # no cephmon nodes: the controllers are the monitors (comma-separated strings)
            'ceph_mon_initial_members': ','.join(fqdn(h) for h, _ in CONTROLLERS),
            'ceph_mon_host': ','.join(i for _, i in CONTROLLERS),
            'has_subrole_gnocchi_services': True, 'has_subrole_gnocchi': True, 'has_subrole_ceilometer': True,
            'has_subrole_panko': True, 'has_subrole_cloudkitty': True,
            'pass_gnocchi_rscuuid': CEPH_IDS['gnocchi'],
            'glance_backend': 'ceph', 'cinder_backup_backend': 'ceph',
        })
    d.update(role_vars('controller'))
    return d


def facts(host, ip):
    f = fqdn(host)
    return {
        'name': f,
        'values': {
            'os': {'family': 'Debian', 'name': 'Debian', 'architecture': 'amd64', 'hardware': 'x86_64',
                   'release': {'full': '12.5', 'major': '12', 'minor': '5'},
                   'distro': {'codename': 'bookworm', 'id': 'Debian', 'description': 'Debian GNU/Linux 12 (bookworm)',
                              'release': {'full': '12.5', 'major': '12', 'minor': '5'}},
                   'selinux': {'enabled': False}},
            'osfamily': 'Debian', 'operatingsystem': 'Debian', 'operatingsystemmajrelease': '12',
            'operatingsystemrelease': '12.5', 'lsbdistcodename': 'bookworm', 'kernel': 'Linux',
            'kernelversion': '6.1.0', 'kernelmajversion': '6.1', 'architecture': 'amd64', 'hardwaremodel': 'x86_64',
            'fqdn': f, 'hostname': host, 'domain': DOMAIN, 'networking': {'fqdn': f, 'hostname': host,
                                                                        'domain': DOMAIN, 'ip': ip},
            'ipaddress': ip, 'path': '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
            'root_home': '/root', 'memorysize': '256.00 GiB', 'memorysize_mb': 262144.0,
            'memory': {'system': {'total_bytes': 274877906944}},
            'processorcount': 32, 'processors': {'count': 32, 'physicalcount': 2},
            'puppetversion': '7.23.0', 'clientversion': '7.23.0', 'is_virtual': False, 'virtual': 'physical',
            'os_service_default': '<SERVICE DEFAULT>', 'os_workers': 8, 'os_workers_small': 4,
            'os_workers_large': 16, 'os_workers_heat_engine': 4, 'os_workers_keystone': 8,
            'swift_device_uuids': {}, 'swift_commented_fstab_entries': {},
            'service_provider': 'systemd', 'systemd': True,
        },
    }


def write_node(outdir, factsdir, host, classes):
    with open(os.path.join(outdir, fqdn(host) + '.yaml'), 'w') as fh:
        yaml.safe_dump({'classes': classes}, fh, default_flow_style=False, sort_keys=False)


def write_facts(factsdir, host, ip):
    f = facts(host, ip)
    with open(os.path.join(factsdir, fqdn(host) + '.yaml'), 'w') as fh:
        fh.write('--- !ruby/object:Puppet::Node::Facts\n')
        fh.write(yaml.safe_dump({'name': f['name'], 'values': f['values']}, default_flow_style=False))


if __name__ == '__main__':
    outdir, factsdir = sys.argv[1], sys.argv[2]
    release = 'zed'
    if '--release' in sys.argv:
        release = sys.argv[sys.argv.index('--release') + 1]
    bad = '--bad-sshkey' in sys.argv
    os.makedirs(outdir, exist_ok=True)
    os.makedirs(factsdir, exist_ok=True)
    for n, (h, ip) in enumerate(COMPUTES):
        write_node(outdir, factsdir, h, {'oci::generic': generic(h, ip, 'compute', bad),
                                         'oci::filebeat': filebeat('compute'),
                                         'oci::compute': compute(h, ip, release, gpu=(n == 1))})
        write_facts(factsdir, h, ip)
    for n, (h, ip) in enumerate(CONTROLLERS):
        write_node(outdir, factsdir, h, {'oci::generic': generic(h, ip, 'controller'),
                                         'oci::filebeat': filebeat('controller'),
                                         'oci::controller': controller(h, ip, release, first=(n == 0))})
        write_facts(factsdir, h, ip)
    json.dump({'%s/%s' % k: v for k, v in SECRETS.items()}, open(os.path.join(outdir, 'secrets.json'), 'w'))
