# Names of clusters, locations, regions and networks.
type Oci::Name = Pattern[/\A[A-Za-z0-9][A-Za-z0-9._-]{0,63}\z/]
