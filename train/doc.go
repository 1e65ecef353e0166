// Package train wires the model (vision), the data pipeline (imagenet, augment) and the
// optimizer into the training loop users run for days: AdamW with decoupled weight decay
// that skips norms, biases, CLS and position embedding; warmup + cosine schedule; global
// norm clipping; gradient accumulation; an EMA of the weights; atomic checkpoints with
// exact resume (model, optimizer moments, EMA, RNG, step and data order).
//
// The optimizer is written here rather than taken from GoMLX because, in v0.28.8, its Adam
// resets weight decay and betas from scope params and decays every variable, including the
// ones DeiT/MAE recipes exclude; owning the 40 lines makes the update testable by hand.
//
// train builds its components through configs, resumes and initialises from runs (run),
// and validates with eval's Predictor and metrics. It is a library below the CLI: it must
// not import predict or cmd.
package train
