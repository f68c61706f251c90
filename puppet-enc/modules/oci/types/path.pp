# An absolute file path.
type Oci::Path = Pattern[/\A\/[^\n]*\z/]
