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

// assetSet is the stylesheets and scripts of a group of pages (the
// registration pages, the console): their own static directory plus the
// shared scripts, served under one path with a version (a hash of them
// all) that lets browsers keep them.
type assetSet struct {
	files   map[string][]byte
	version string
}

// newAssetSet collects the files of dir and templates/shared from fsys;
// every name in want must be there.
func newAssetSet(fsys fs.FS, dir string, want ...string) (assetSet, error) {
	merged := map[string][]byte{}
	sum := sha256.New()
	for _, d := range []string{dir, "templates/shared"} {
		entries, err := fs.ReadDir(fsys, d)
		if err != nil {
			return assetSet{}, fmt.Errorf("handlers: assets: %w", err)
		}
		for _, e := range entries {
			if e.IsDir() {
				continue
			}
			b, err := fs.ReadFile(fsys, d+"/"+e.Name())
			if err != nil {
				return assetSet{}, fmt.Errorf("handlers: assets: %w", err)
			}
			merged[e.Name()] = b
			sum.Write([]byte(e.Name()))
			sum.Write(b)
		}
	}
	for _, name := range want {
		if _, ok := merged[name]; !ok {
			return assetSet{}, fmt.Errorf("handlers: assets: %s missing from %s", name, dir)
		}
	}
	return assetSet{files: merged, version: hex.EncodeToString(sum.Sum(nil))[:12]}, nil
}

// serve writes the stylesheet or script named by the :file parameter; it
// reports false when there is none (the caller answers 404 its own way).
func (a assetSet) serve(c *gin.Context) bool {
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
