// Package testimages makes the image fixtures the data-path tests share: solid and
// photo-like images, their JPEG and PNG bytes, and a folder of the dirty files real
// ImageNet copies contain. imagenet and imagenet/decode both test with them; keeping one
// copy means a fixture change reaches both.
//
// Test support only: no production package imports it (internal/layering checks that).
// It imports nothing of tfvision.
package testimages
