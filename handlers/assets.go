package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// AssetSet is the stylesheets and scripts of a group of pages (the
// registration pages, the console): their own static directory plus the
// shared scripts (templates/static of SharedFiles), served under one path
// with a version (a hash of them all) that lets browsers keep them.
type AssetSet struct {
	files   map[string][]byte
	version string
}

// NewAssetSet collects the files of dir in fsys and of templates/static
// in kit (nil: SharedFiles); every name in want must be there.
func NewAssetSet(fsys fs.FS, dir string, kit fs.FS, want ...string) (AssetSet, error) {
	if kit == nil {
		kit = SharedFiles
	}
	merged := map[string][]byte{}
	sum := sha256.New()
	for _, src := range []struct {
		fsys fs.FS
		dir  string
	}{{fsys, dir}, {kit, "templates/static"}} {
		entries, err := fs.ReadDir(src.fsys, src.dir)
		if err != nil {
			return AssetSet{}, fmt.Errorf("handlers: assets: %w", err)
		}
		for _, e := range entries {
			if e.IsDir() {
				continue
			}
			b, err := fs.ReadFile(src.fsys, src.dir+"/"+e.Name())
			if err != nil {
				return AssetSet{}, fmt.Errorf("handlers: assets: %w", err)
			}
			merged[e.Name()] = b
			sum.Write([]byte(e.Name()))
			sum.Write(b)
		}
	}
	for _, name := range want {
		if _, ok := merged[name]; !ok {
			return AssetSet{}, fmt.Errorf("handlers: assets: %s missing from %s", name, dir)
		}
	}
	return AssetSet{files: merged, version: hex.EncodeToString(sum.Sum(nil))[:12]}, nil
}

// Version is the hash of the files, for their addresses (?v=).
func (a AssetSet) Version() string { return a.version }

// Serve writes the stylesheet or script named by the :file parameter; it
// reports false when there is none (the caller answers 404 its own way).
func (a AssetSet) Serve(c *gin.Context) bool {
	name := c.Param("file")
	var ctype string
	switch {
	case strings.HasSuffix(name, ".css"):
		ctype = "text/css; charset=utf-8"
	case strings.HasSuffix(name, ".js"):
		ctype = "text/javascript; charset=utf-8"
	}
	b, ok := a.files[name]
	if ctype == "" || !ok {
		return false
	}
	if c.Query("v") == a.version {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	}
	c.Data(http.StatusOK, ctype, b)
	return true
}
