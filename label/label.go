package label

// Class names a label index: the model's output Index is the class whose folder is WNID.
type Class struct {
	// Index is the label the model predicts. It is the class's position in its table,
	// which is why a checkpoint does not store it (see Renumber).
	Index int `json:"-"`
	// WNID is the folder name: a WordNet id for ImageNet, a class index for ImageNet-V2's
	// numbered folders, or any name for a custom dataset.
	WNID string `json:"wnid,omitempty"`
	// Name is human-readable; the folder name when none is known.
	Name string `json:"name"`
}

// Renumber sets each class's Index to its position, and returns classes. A class table
// read back from JSON needs it: the position is the label.
func Renumber(classes []Class) []Class {
	for i := range classes {
		classes[i].Index = i
	}
	return classes
}
