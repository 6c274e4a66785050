// wx.login → POST /api/v1/auth/wechat (with the binding code the first time) → POST /api/v1/auth/tickets →
// the web-view page with the one-time ticket.
const api = require('../../api.js')

function messageOf(resp) {
  return (resp.body && resp.body.message) || '登录失败, 请稍后重试'
}

Page({
  data: {busy: false, error: '', needBinding: false, bindingCode: ''},

  onShow() {
    if (!this.data.needBinding) this.login()
  },

  onBindingInput(e) {
    this.setData({bindingCode: e.detail.value.trim()})
  },

  onBind() {
    this.login(this.data.bindingCode)
  },

  // the township admin's console shows the binding code as a QR code too: scanning saves typing it
  onScan() {
    wx.scanCode({
      onlyFromCamera: true,
      scanType: ['qrCode'],
      success: (res) => {
        this.setData({bindingCode: (res.result || '').trim()})
        if (this.data.bindingCode) this.login(this.data.bindingCode)
      }
    })
  },

  async login(bindingCode) {
    this.setData({busy: true, error: ''})
    try {
      // a wx.login code works once: every attempt asks for a new one
      const code = await api.wxLoginCode()
      const body = typeof bindingCode === 'string' && bindingCode ? {code, binding_code: bindingCode} : {code}
      const login = await api.post('/api/v1/auth/wechat', body)
      if (login.status === 403 && login.body.code === 'wechat_not_bound') {
        this.setData({busy: false, needBinding: true, error: ''})
        return
      }
      if (login.status !== 200) throw new Error(messageOf(login))
      const ticket = await api.post('/api/v1/auth/tickets', {}, login.body.access_token)
      if (ticket.status !== 201) throw new Error(messageOf(ticket))
      this.setData({busy: false, needBinding: false, bindingCode: ''})
      wx.navigateTo({url: '/pages/webview/webview?ticket=' + encodeURIComponent(ticket.body.ticket)})
    } catch (err) {
      this.setData({busy: false, error: err.message})
    }
  }
})
