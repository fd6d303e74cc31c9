package trail

// Carrier is an express company, named by its Kuaidi100 company code, the
// de-facto standard in China.
type Carrier struct {
	Code string
	Name string
}

var carriers = []Carrier{
	{"shunfeng", "顺丰速运"}, {"zhongtong", "中通快递"}, {"yuantong", "圆通速递"},
	{"shentong", "申通快递"}, {"yunda", "韵达快递"}, {"jd", "京东物流"}, {"ems", "EMS"},
	{"youzhengguonei", "邮政快递包裹"}, {"youzhengbk", "邮政标准快递"}, {"jtexpress", "极兔速递"},
	{"debangkuaidi", "德邦快递"}, {"debangwuliu", "德邦物流"}, {"huitongkuaidi", "百世快递"},
	{"zhaijisong", "宅急送"}, {"shunfengkuaiyun", "顺丰快运"}, {"jingdongkuaiyun", "京东快运"},
	{"zhongtongkuaiyun", "中通快运"}, {"danniao", "丹鸟"}, {"fengwang", "丰网速运"},
	{"shansong", "闪送"}, {"yundakuaiyun", "韵达快运"},
}

// LookupCarrier finds a carrier by its code.
func LookupCarrier(code string) (Carrier, bool) {
	for _, c := range carriers {
		if c.Code == code {
			return c, true
		}
	}
	return Carrier{}, false
}
