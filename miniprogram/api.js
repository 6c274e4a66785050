// wx.request wrapped in a promise that resolves to {status, body}; the server's errors are {code, message, detail}.
const config = require('./config.js')

function post(path, data, token) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: config.SERVER + path,
      method: 'POST',
      data: data || {},
      timeout: config.REQUEST_TIMEOUT_MS,
      header: Object.assign({'Content-Type': 'application/json'}, token ? {Authorization: 'Bearer ' + token} : {}),
      success: (res) => resolve({status: res.statusCode, body: res.data || {}}),
      fail: () => reject(new Error('网络不可用, 请检查网络后重试'))
    })
  })
}

function wxLoginCode() {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (res) => (res.code ? resolve(res.code) : reject(new Error('微信登录失败, 请重试'))),
      fail: () => reject(new Error('微信登录失败, 请重试'))
    })
  })
}

module.exports = {post, wxLoginCode}
