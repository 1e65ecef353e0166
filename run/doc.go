// Package run owns a run directory — what `tfvision train` leaves behind: it resolves
// which checkpoint to use (a file as given; in a directory the best, else the latest),
// rebuilds the model from the config the checkpoint embeds, loads the weights (raw or
// EMA) with their checksums, and answers for the run's classes, including whether a
// dataset's classes match them (CheckClasses, V2Mapped).
//
// eval, predict, export, grow and `train --init` all start from a run this way, so they
// agree on what "the run's model" is; Create writes a new run (import, grow). It must not
// import train, eval, predict or cmd: it is below all of them.
package run
