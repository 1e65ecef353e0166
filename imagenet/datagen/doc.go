// Package datagen writes small ImageNet-layout datasets to disk: MNIST exported as
// PNG class folders ([ExportMNIST], located through the GoMNIST module by
// [LocateMNIST]) and trees of synthetic photo-like JPEGs ([WriteSynthetic]). The demo,
// benchmarks and tests use them to run the real listing, decoding and loading code
// without an ImageNet copy.
//
// It only produces files; reading them is imagenet's job. imagenet must not import
// datagen (internal/layering checks this): the library that reads datasets has no use
// for test-data writers, nor for the `go list -m` that LocateMNIST runs. datagen may
// import imagenet, and like imagenet it must not import vision, augment, train or
// eval.
package datagen
