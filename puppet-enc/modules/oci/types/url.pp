# An http(s) URL without blanks.
type Oci::Url = Pattern[/\Ahttps?:\/\/[^\s\/]+(\/\S*)?\z/]
