output "arn" {
  description = "ARN of the ALB."
  value       = aws_lb.this.arn
}

output "arn_suffix" {
  description = "ARN suffix of the ALB (the LoadBalancer dimension of its CloudWatch metrics)."
  value       = aws_lb.this.arn_suffix
}

output "dns_name" {
  description = "DNS name of the ALB."
  value       = aws_lb.this.dns_name
}

output "app_url" {
  description = "Public URL of the app: https://<domain_name>, or http://<ALB DNS name> without a domain."
  value       = "${local.scheme}://${local.host}"
}

output "listener_arn" {
  description = "ARN of the production listener whose weights the controller switches (HTTPS, or HTTP without a domain)."
  value       = local.production_listener_arn
}

output "test_listener_arn" {
  description = "ARN of the IP-restricted test listener the controller points at the idle colour, or null when test_listener_port is null."
  value       = local.test_listener ? aws_lb_listener.test[0].arn : null
}

output "test_listener_url" {
  description = "URL of the test listener (reachable from test_listener_cidrs only), or null without one."
  value       = local.test_listener ? "${local.scheme}://${local.host}:${var.test_listener_port}" : null
}

output "blue_target_group_arn" {
  description = "ARN of the blue target group, known only once a listener forwards to it."
  value       = aws_lb_target_group.this["blue"].arn

  # ECS refuses a service whose target group no load balancer uses yet: whoever reads this ARN
  # (the blue service) waits for the listeners.
  depends_on = [aws_lb_listener.https, aws_lb_listener.http, aws_lb_listener.test]
}

output "green_target_group_arn" {
  description = "ARN of the green target group, known only once a listener forwards to it."
  value       = aws_lb_target_group.this["green"].arn

  # ECS refuses a service whose target group no load balancer uses yet: whoever reads this ARN
  # (the green service) waits for the listeners.
  depends_on = [aws_lb_listener.https, aws_lb_listener.http, aws_lb_listener.test]
}

output "blue_target_group_arn_suffix" {
  description = "ARN suffix of the blue target group (TargetGroup metric dimension)."
  value       = aws_lb_target_group.this["blue"].arn_suffix
}

output "green_target_group_arn_suffix" {
  description = "ARN suffix of the green target group (TargetGroup metric dimension)."
  value       = aws_lb_target_group.this["green"].arn_suffix
}
