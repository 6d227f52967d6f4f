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
  description = "Public HTTPS URL of the app."
  value       = "https://${local.host}"
}

output "listener_arn" {
  description = "ARN of the HTTPS listener whose weights the controller switches."
  value       = aws_lb_listener.https.arn
}

output "blue_target_group_arn" {
  description = "ARN of the blue target group."
  value       = aws_lb_target_group.this["blue"].arn
}

output "green_target_group_arn" {
  description = "ARN of the green target group."
  value       = aws_lb_target_group.this["green"].arn
}

output "blue_target_group_arn_suffix" {
  description = "ARN suffix of the blue target group (TargetGroup metric dimension)."
  value       = aws_lb_target_group.this["blue"].arn_suffix
}

output "green_target_group_arn_suffix" {
  description = "ARN suffix of the green target group (TargetGroup metric dimension)."
  value       = aws_lb_target_group.this["green"].arn_suffix
}

output "live_color" {
  description = "The live colour read from SSM when this plan was made (the colour weighted 100)."
  value       = local.live_color
}
