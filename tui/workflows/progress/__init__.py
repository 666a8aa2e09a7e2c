"""F7 进度: the drive's progress by town with a bar chart, drill-down town → village → people;
on an outreach laptop also the village's 待缴名单, ticked off as people pay."""
