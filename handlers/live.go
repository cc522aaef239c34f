package handlers

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
)

// LiveHeartbeat is how often an idle live stream sends a comment, so that
// proxies and browsers keep it open.
const LiveHeartbeat = 15 * time.Second

// StreamCampaigns answers with a text/event-stream of the campaigns that
// change from now on, visible in sc and matching q: one "campaign" event
// per change, its data the campaign with its sent, delivered and clicks
// counters (models.CampaignLiveView). A query the list would refuse is a
// problem before the stream starts. The stream ends when the client goes,
// or when the Store's feed closes (the server shutting down).
func StreamCampaigns(c *gin.Context, store *models.Store, sc models.Scope, q models.CampaignQuery) {
	ctx := c.Request.Context()
	if err := store.CheckCampaignQuery(ctx, sc, q); err != nil {
		Fail(c, err)
		return
	}
	notices, err := store.WatchCampaigns(ctx)
	if err != nil {
		Fail(c, err)
		return
	}
	// The server's write timeout is for ordinary answers: a stream lives
	// until one side ends it.
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Time{})
	h := c.Writer.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	if !write(c, ": live\n\n") {
		return
	}
	beat := time.NewTicker(LiveHeartbeat)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-beat.C:
			if !write(c, ": heartbeat\n\n") {
				return
			}
		case n, open := <-notices:
			if !open {
				return
			}
			v, ok, err := store.LiveCampaign(ctx, sc, q, n.CampaignID)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				Logger(c).Warn("live campaign", "campaign_id", n.CampaignID, "error", err.Error())
				continue
			}
			if !ok {
				continue
			}
			data, err := json.Marshal(v)
			if err != nil {
				continue
			}
			if !write(c, "event: campaign\ndata: "+string(data)+"\n\n") {
				return
			}
		}
	}
}

// write sends s and flushes it; false when the client is gone.
func write(c *gin.Context, s string) bool {
	if _, err := c.Writer.WriteString(s); err != nil {
		return false
	}
	c.Writer.Flush()
	return true
}
