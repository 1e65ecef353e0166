package augment

// ImageNet channel statistics (RGB, on the [0,1] scale), as used by
// torchvision and timm for models trained on ImageNet-1k.
var (
	ImageNetMean = [3]float32{0.485, 0.456, 0.406}
	ImageNetStd  = [3]float32{0.229, 0.224, 0.225}
)

// fillColor is timm's fill for geometric RandAugment ops: the ImageNet mean
// times 255, rounded (timm's _FILL = (124, 116, 104)), so that uncovered areas
// normalise to about zero instead of to a strong black.
var fillColor = [3]uint8{124, 116, 104}
