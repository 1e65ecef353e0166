// Command tfvision trains, evaluates and serves TokenFormer and ViT image classifiers.
//
// It is a thin shell over the library packages: flags and config in, one library call
// (train.Run, eval.EvaluateDataset, predict.Classify, run.Create, parity.Run, …), and
// printing out. Logic a Go program could want belongs in a package, not here; every
// package may be imported by it and none may import it.
package main
