package matrix

import (
	"bytes"
	"fmt"
	"os"
)

// Markers delimit the part of README.md that a run rewrites.
const (
	BeginMarker = "<!-- matrix:begin -->"
	EndMarker   = "<!-- matrix:end -->"
)

// ReplaceBetweenMarkers returns doc with the text between BeginMarker and
// EndMarker replaced by body. It fails if the markers are missing or out of
// order, rather than guess where the table belongs.
func ReplaceBetweenMarkers(doc, body []byte) ([]byte, error) {
	i := bytes.Index(doc, []byte(BeginMarker))
	j := bytes.Index(doc, []byte(EndMarker))
	if i < 0 || j < i {
		return nil, fmt.Errorf("no %s … %s section", BeginMarker, EndMarker)
	}
	var out bytes.Buffer
	out.Write(doc[:i+len(BeginMarker)])
	out.WriteByte('\n')
	out.Write(body)
	out.Write(doc[j:])
	return out.Bytes(), nil
}

// UpdateReadme rewrites the marked section of the file at path.
func UpdateReadme(path string, body []byte) error {
	doc, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := ReplaceBetweenMarkers(doc, body)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, out, 0o644)
}
