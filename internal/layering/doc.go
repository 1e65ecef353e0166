// Package layering holds no code: its test fails when a tfvision package imports one that
// its layer must not (see layering_test.go for the rules and the known exceptions).
package layering
