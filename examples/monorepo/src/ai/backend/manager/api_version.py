"""The version of the manager's REST API specification, released with its own `vN.yyyymmdd`."""

LATEST_API_VERSION = "v8.20240915"
