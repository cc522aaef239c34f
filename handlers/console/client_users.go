package console

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
)

// clientUsersView lists a client's console users, with the form to add
// one and each user's "send a reset link" and "remove" buttons.
type clientUsersView struct {
	consoleBase
	Client      *models.Client
	Users       []models.User
	UserEmail   string
	MinPassword int
	CanReset    bool   // the workflow engine runs: reset links can be sent
	Self        string // the signed-in user's id (not removable here)
	ErrorFor    string // the user a "form" error is about
	Errors      map[string]string
}

func clientUsersPath(id string) string { return clientPath(id) + "/users" }

// consoleClientUsers: GET /console/clients/{id}/users; an admin sees any
// client's users, a client user their own client's (404 otherwise).
func (h *Handler) consoleClientUsers(c *gin.Context) {
	v, err := h.clientUsersView(c)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	h.pages.Render(c, http.StatusOK, "client_users", v)
}

func (h *Handler) clientUsersView(c *gin.Context) (clientUsersView, error) {
	ctx := c.Request.Context()
	who := signedIn(c)
	cl, err := h.cfg.Store.GetClient(ctx, who.scope(), c.Param("id"))
	if err != nil {
		return clientUsersView{}, err
	}
	users, err := h.cfg.Store.ListClientUsers(ctx, who.scope(), cl.ID)
	if err != nil {
		return clientUsersView{}, err
	}
	nav := "client"
	if who.admin() {
		nav = "clients"
	}
	return clientUsersView{consoleBase: h.consoleBase(c, "Users of "+cl.Name, nav), Client: cl, Users: users,
		MinPassword: models.MinPasswordLength, CanReset: h.cfg.Workflows != nil, Self: who.User.ID}, nil
}

// userForm is what the "user_form" partial needs: the client, the form's
// input and errors, and the page to come back to ("" the client's page).
type userForm struct {
	ClientID, CSRF, Email, Back string
	MinPassword                 int
	Errors                      map[string]string
}

// UserForm is the add-user form on the Users page.
func (v clientUsersView) UserForm() userForm {
	return userForm{ClientID: v.Client.ID, CSRF: v.CSRF, Email: v.UserEmail, Back: "users", MinPassword: v.MinPassword, Errors: v.Errors}
}

// UserForm is the add-user form on the client's page.
func (v clientView) UserForm() userForm {
	return userForm{ClientID: v.Client.ID, CSRF: v.CSRF, Email: v.UserEmail, MinPassword: v.MinPassword, Errors: v.Errors}
}
