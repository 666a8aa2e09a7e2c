"""F8 现金日结: today's cashier sheet of the signed-in clerk, closing today's cash, the sheet as PDF and .xlsx."""
