// The mini-program holds no tokens: it logs in with wx.login each time it opens and hands the login to the
// H5 app as a one-time ticket, so the member's session lives in one place (the H5 app).
App({})
