// Package parity checks a compute backend's numerics for the models this project trains:
// the same TokenFormer, with the same host-drawn weights and the same images, on a target
// backend (XLA-CUDA on a GPU machine) against a reference one (the pure-Go backend). It
// owns the parity model, the comparisons (f32 logits, bf16 logits, bf16 gradients of every
// parameter, short training runs in both precisions) and their acceptance rules, and
// returns every number in a [Result]. `tfvision check parity` is its command-line shell,
// and scripts/gpu-check.sh runs that on every GPU machine.
//
// It lives under train because it exercises the training step itself
// ([train.LossAndGradients], [train.Stepper]), and vision must not import train. Like all
// of train it must not import cmd or predict (internal/layering enforces it); and it does
// not print: progress lines go to Options.Progress, so the caller decides where.
package parity
