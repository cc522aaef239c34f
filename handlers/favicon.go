package handlers

import (
	"io/fs"
	"net/http"

	"github.com/gin-gonic/gin"
)

// favicon is the pages' icon (templates/static/favicon.svg of
// SharedFiles), read once.
var favicon = func() []byte {
	b, err := fs.ReadFile(sharedFiles, "templates/static/favicon.svg")
	if err != nil {
		panic("handlers: the embedded favicon is missing: " + err.Error())
	}
	return b
}()

// Favicon answers GET /favicon.ico with the pages' icon (an SVG, which
// browsers take at that path by its Content-Type); the layouts link it
// with rel=icon.
func Favicon(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=86400")
	c.Data(http.StatusOK, "image/svg+xml", favicon)
}
