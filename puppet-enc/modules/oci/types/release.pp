# OpenStack releases oci installs (oci/choices.py).
type Oci::Release = Enum['zed', 'antelope', 'bobcat', 'caracal', 'dalmatian', 'epoxy', 'flamingo']
