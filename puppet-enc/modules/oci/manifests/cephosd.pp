# @summary A Ceph OSD node.
#
# Declared by oci's ENC (GET /api/v1/enc/FQDN): every parameter the ENC sends,
# typed. A parameter the ENC adds, drops or mistypes fails the catalog.
class oci::cephosd (
  Oci::Name                     $cluster,
  Oci::Fqdn                     $hostname,
  Oci::Fqdn                     $domain,
  Oci::Name                     $location,
  Oci::Name                     $swift_region,
  Hash[Oci::Name, Oci::Ip]      $addresses,
  Optional[Oci::Ip]             $management_address,
  Hash[Oci::Name, Oci::Network] $networks,
  Optional[Oci::Ip]             $vip_address,
  Oci::Fqdn                     $vip_hostname,
  Oci::Url                      $keystone_url,
  Array[Oci::Fqdn]              $controllers,
  Array[Oci::Ip]                $controller_addresses,
  Optional[Oci::Fqdn]           $first_master,
  Boolean                       $is_first_master,
  Oci::Fqdn                     $time_server,
  Oci::Release                  $openstack_release,
  Oci::Tls                      $tls,
  Boolean                       $initial_cluster_setup,
  Oci::Url                      $debian_mirror,
  Optional[Oci::Bgp]            $bgp,
  Oci::Secrets::Cephosd         $secrets,
  Boolean                       $ceph_enabled,
  Array[Oci::Fqdn]              $ceph_mon_hosts,
  Array[Oci::Ip]                $ceph_mon_addresses,
  Optional[Oci::Cidr]           $ceph_public_network,
  Optional[Oci::Cidr]           $ceph_cluster_network,
  Optional[Oci::Ip]             $ceph_cluster_address,
) {
  # Thin for now: the role's profile classes will use these parameters.
  $summary = "oci::cephosd ${hostname} in ${cluster}"
}
