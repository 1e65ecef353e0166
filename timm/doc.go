// Package timm imports weights of timm's VisionTransformer (safetensors state dicts, as
// timm and the Hugging Face hub ship them) into tfvision's ViT presets, with the
// preprocessing the weights were trained with (timm's pretrained_cfg).
//
// timm builds a store for a vision model from a state dict; it must not import train,
// eval, run, predict, imagenet, augment or cmd (the CLI writes the result as a run).
package timm
