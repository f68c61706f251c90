# A dotted-quad IPv4 address (no Stdlib: the module must stand alone).
type Oci::Ipv4 = Pattern[/\A((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\z/]
