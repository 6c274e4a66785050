// Where the gridpatrol server is (GRIDPATROL_PUBLIC_URL). It must be an HTTPS domain configured in the
// mini-program's console twice: as a request domain (for wx.request) and as a business domain (for <web-view>).
module.exports = {
  SERVER: 'https://gridpatrol.example.gov.cn',
  REQUEST_TIMEOUT_MS: 15000
}
