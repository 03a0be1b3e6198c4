"""The Pulumi program: a generic interpreter of manifest.json (self-contained, shipped into build/<env>/)."""
