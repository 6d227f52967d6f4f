output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "public_subnet_ids" {
  description = "Public subnets (the ALB; the tasks too in the low-cost mode)."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "Private subnets for the tasks."
  value       = aws_subnet.private[*].id
}

output "database_subnet_ids" {
  description = "Database subnets, with no route out of the VPC."
  value       = aws_subnet.database[*].id
}

output "task_subnet_ids" {
  description = "Subnets the ECS services (and the migration task) run in, per task_egress."
  value       = local.tasks_in_public_subnets ? aws_subnet.public[*].id : aws_subnet.private[*].id
}

output "assign_public_ip" {
  description = "Whether tasks need a public IP to reach AWS APIs (true only in the low-cost mode)."
  value       = local.tasks_in_public_subnets
}

output "alb_security_group_id" {
  description = "Security group of the ALB."
  value       = aws_security_group.alb.id
}

output "tasks_security_group_id" {
  description = "Security group of the ECS tasks."
  value       = aws_security_group.tasks.id
}

output "database_security_group_id" {
  description = "Security group of the RDS instance."
  value       = aws_security_group.database.id
}

output "nat_gateway_public_ips" {
  description = "Public addresses the tasks' outbound traffic leaves from (empty without NAT gateways)."
  value       = aws_eip.nat[*].public_ip
}
