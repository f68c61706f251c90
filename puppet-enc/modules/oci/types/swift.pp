# The Swift ring and proxy settings of the cluster.
type Oci::Swift = Struct[{
  part_power     => Integer[6, 24],
  replicas       => Integer[1, 6],
  min_part_hours => Integer[0, 168],
  proxy_hostname => Oci::Fqdn,
}]
