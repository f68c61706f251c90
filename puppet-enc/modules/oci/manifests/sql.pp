# @summary A dedicated MariaDB Galera node.
#
# Declared by oci's ENC (GET /api/v1/enc/FQDN): every parameter the ENC sends,
# typed. A parameter the ENC adds, drops or mistypes fails the catalog.
class oci::sql (
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
  Oci::Secrets::Sql             $secrets,
  Oci::Fqdn                     $database_host,
  Array[Oci::Fqdn]              $database_nodes,
  Array[Oci::Fqdn]              $rabbitmq_hosts,
  Array[Oci::Fqdn]              $notification_rabbitmq_hosts,
  Array[Oci::Fqdn]              $memcached_hosts,
  Boolean                       $notifications,
  Array[Oci::Fqdn]              $galera_nodes,
  Boolean                       $galera_bootstrap,
) {
  # Thin for now: the role's profile classes will use these parameters.
  $summary = "oci::sql ${hostname} in ${cluster}"
}
