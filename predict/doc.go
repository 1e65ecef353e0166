// Package predict classifies image files with a trained model: it expands file and folder
// arguments, decodes them in parallel (unreadable files are reported per file, never
// dropped), runs batches through eval's Predictor with the run's eval transform, and
// hands back top-k labels batch by batch, so `tfvision predict` streams and an interrupt
// keeps what was done.
//
// It builds on eval (Predictor, Softmax, TopK) and imagenet (decoding); the caller loads
// the run (package run). It must not import train or cmd.
package predict
