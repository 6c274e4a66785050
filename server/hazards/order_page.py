"""The printable rectification order (责令限期整改指令书): a Jinja template, kept in a module so that it ships with
the package like the code that renders it."""

TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>责令限期整改指令书 {{ order.number }}</title>
<style>
  @page { size: A4; margin: 25mm 22mm 22mm 25mm; }
  body { font-family: "SimSun", "Songti SC", "Noto Serif CJK SC", "WenQuanYi Micro Hei", serif; font-size: 15pt;
         line-height: 1.8; color: #000; max-width: 170mm; margin: 0 auto; }
  h1 { font-size: 22pt; text-align: center; letter-spacing: 0.2em; margin: 0 0 4mm; }
  .issuer { text-align: center; font-size: 16pt; margin: 0; }
  .number { text-align: right; margin: 2mm 0 6mm; }
  table { width: 100%; border-collapse: collapse; }
  th, td { border: 1px solid #000; padding: 2mm 3mm; vertical-align: top; text-align: left; }
  th { width: 32mm; white-space: nowrap; font-weight: normal; }
  .deadline { font-weight: bold; }
  .notice { text-indent: 2em; margin: 6mm 0; }
  .signatures { display: flex; justify-content: space-between; margin-top: 14mm; }
  .signatures div { width: 48%; }
  .seal { text-align: right; margin-top: 10mm; }
  .toolbar { margin: 6mm 0; text-align: center; }
  @media print {
    .toolbar { display: none; }
    body { max-width: none; }
    table, .signatures { page-break-inside: avoid; }
  }
</style>
</head>
<body>
<div class="toolbar"><button onclick="window.print()">打印</button></div>
<p class="issuer">{{ township.name }}</p>
<h1>责令限期整改指令书</h1>
<p class="number">文书编号: {{ order.number }}{% if order.round > 1 %} (第{{ order.round }}次责令整改){% endif %}</p>

<p>{% if place %}{{ place.name }}{% else %}被检查单位{% endif %}:</p>
<p class="notice">经检查, 你单位存在下列安全生产事故隐患。根据《中华人民共和国安全生产法》等有关规定,
  现责令你单位于<span class="deadline">{{ deadline }}</span>前按下列措施整改完毕, 并将整改情况报告我单位。
  逾期未整改或整改不到位的, 将依法予以处理。</p>

<table>
  <tr><th>被检查单位</th><td>{% if place %}{{ place.name }}{% else %}—{% endif %}</td></tr>
  <tr><th>地址</th><td>{% if place and place.address %}{{ place.address }}{% else %}—{% endif %}</td></tr>
  <tr><th>行业领域</th><td>{{ sector_label }}</td></tr>
  <tr><th>隐患编号</th><td>{{ hazard.id }}</td></tr>
  <tr><th>发现日期</th><td>{{ found_day }}</td></tr>
  <tr><th>隐患等级</th><td>{{ level_label }}</td></tr>
  <tr><th>隐患类别</th><td>{{ hazard.category }}</td></tr>
  <tr><th>隐患描述</th><td>{{ hazard.description }}</td></tr>
  <tr><th>整改措施</th><td>{{ order.measures }}</td></tr>
  <tr><th>整改期限</th><td class="deadline">{{ deadline }}</td></tr>
  <tr><th>整改责任人</th><td>{{ order.responsible_person }}</td></tr>
</table>

<div class="signatures">
  <div>签发人: {{ order.issued_by_name }}<br>签发日期: {{ issued_day }}</div>
  <div>被检查单位负责人(签收):<br>签收日期: &emsp;&emsp;年&emsp;月&emsp;日</div>
</div>
<p class="seal">{{ township.name }}(盖章)<br>{{ issued_day }}</p>
</body>
</html>
"""
