package decode

import "github.com/tfvision/tfvision/internal/testimages"

// The decoder's tests use the shared fixtures (internal/testimages), which import nothing
// above the decoder.
var (
	writeFile = testimages.WriteFile
	solid     = testimages.Solid
	jpegBytes = testimages.JPEG
	pngBytes  = testimages.PNG
	photoLike = testimages.PhotoLike
)
