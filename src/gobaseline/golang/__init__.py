"""The only place that runs `go` or knows its file formats (go.mod, go.sum, vendor, module cache, releases)."""
