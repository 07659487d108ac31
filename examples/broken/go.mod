// A deliberately broken module: gobaseline's own tests and docs use it. See README.md for every finding.
module example.com/broken

go 1.24

require (
	github.com/docker/docker v24.0.9+incompatible
	github.com/google/uuid v1.6.0
	github.com/Azure/go-autorest v14.2.0+incompatible // indirect
)

// A fork with a patch nobody reviewed, and a sibling checkout.
replace github.com/google/uuid => github.com/someone/uuid v1.6.1-0.20250101000000-0123456789ab

replace example.com/broken/internal/lib => ./lib

// v1.0.1 was tagged from the wrong commit.
retract v1.0.1
