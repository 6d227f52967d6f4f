output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = aws_ecs_cluster.this.arn
}

output "blue_service_name" {
  description = "Name of the blue ECS service."
  value       = aws_ecs_service.this["blue"].name
}

output "green_service_name" {
  description = "Name of the green ECS service."
  value       = aws_ecs_service.this["green"].name
}

output "service_arns" {
  description = "ARNs of the two services, by colour."
  value       = { for color, service in aws_ecs_service.this : color => service.id }
}

output "scalable_target_arns" {
  description = "ARNs of the two services' Application Auto Scaling scalable targets, by colour (the controller suspends their scale-in during a deployment)."
  value       = { for color, target in aws_appautoscaling_target.this : color => target.arn }
}

output "task_definition_families" {
  description = "Task definition families, by colour (the controller registers new revisions in them)."
  value       = { for color, task in aws_ecs_task_definition.this : color => task.family }
}

output "log_group_name" {
  description = "CloudWatch log group of the tasks."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "ARN of the tasks' CloudWatch log group."
  value       = aws_cloudwatch_log_group.this.arn
}

output "container_name" {
  description = "Name of the service's container in the task definitions (the load balancer's target)."
  value       = var.container_name
}
