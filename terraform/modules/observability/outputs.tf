output "blue_alarm_names" {
  description = "Alarms the controller watches while blue takes traffic."
  value = [
    aws_cloudwatch_metric_alarm.error_rate["blue"].alarm_name,
    aws_cloudwatch_metric_alarm.latency_p99["blue"].alarm_name,
    aws_cloudwatch_metric_alarm.unhealthy_hosts["blue"].alarm_name,
  ]
}

output "green_alarm_names" {
  description = "Alarms the controller watches while green takes traffic."
  value = [
    aws_cloudwatch_metric_alarm.error_rate["green"].alarm_name,
    aws_cloudwatch_metric_alarm.latency_p99["green"].alarm_name,
    aws_cloudwatch_metric_alarm.unhealthy_hosts["green"].alarm_name,
  ]
}

output "alarm_arns" {
  description = "ARNs of all six alarms (the deploy role's DescribeAlarms is scoped to them)."
  value = concat(
    [for alarm in aws_cloudwatch_metric_alarm.error_rate : alarm.arn],
    [for alarm in aws_cloudwatch_metric_alarm.latency_p99 : alarm.arn],
    [for alarm in aws_cloudwatch_metric_alarm.unhealthy_hosts : alarm.arn],
  )
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "sns_topic_arn" {
  description = "ARN of the alarm topic, or null when sns_topic_enabled is false."
  value       = var.sns_topic_enabled ? aws_sns_topic.this[0].arn : null
}
