"""How the money moves (DOMAIN.md): funds and their allocation tree with 到位 (`funds`), the county's
signed 资金安排 with the 因素法 (`plans`, `factor`), 报账 and 支付 (`payments`), and the assets that
accepted projects hand over (`assets`). Qt-free, like every service."""
