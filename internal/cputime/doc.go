// Package cputime reads the process's CPU time. Benchmarks report it next to wall time:
// on a shared machine wall time swings with other load, the CPU time a step or an image
// costs much less. It imports nothing of tfvision.
package cputime
